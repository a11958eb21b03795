"""Runs moto's real server, with one correction to its CloudFormation emulation.

When AWS executes a change set, the stack takes the change set's template, parameters and
tags, and its Outputs are resolved. moto 5.2.1's ExecuteChangeSet does not re-read the
template, keep the parameters or apply an UPDATE change set's tags: DescribeStacks then
returns no Outputs, and the next identical deploy is not recognised as "no changes". Everything else
is moto as installed.

Patched at CloudFormationBackend.execute_change_set, after moto's own logic runs. The suite's code is written for AWS, not around this gap.

A second correction, for tests that serve their own public images (MOTO_AMIS_PATH): moto 5.2.1
parses each image's creation_date in place in the shared list when the first region starts, so
the second region (an AMI copy's target) fails with a 500 parsing a date it already parsed.
Every region now loads from a fresh copy of the list.

A third: moto 5.2.1 has no UpdateTerminationProtection (it answers 500), so protected
environments could not be deployed. It now sets the flag DescribeStacks already reports.

A fourth: when nothing changed, moto 5.2.1's CreateChangeSet answers a ValidationError "No
updates are to be performed." AWS does not: it creates the change set, which ends FAILED with
the reason "The submitted information didn't contain changes. ..." (UpdateStack is the call
that raises). moto's backend already builds that FAILED change set; the response layer's
early check, meant for UpdateStack, is skipped for CreateChangeSet, so the suite meets AWS's
path.

A fifth: S3's conditional writes (If-None-Match: *, If-Match) are atomic on AWS: of two writers
racing for one key, exactly one wins. moto checks the condition and then writes, and its server
is threaded, so two racing writers could both pass. A conditional PutObject now holds one lock
from check to write, as AWS behaves.

A sixth: ListObjectVersions on AWS lists a key's versions and delete markers interleaved, newest
first, in the order they were written. moto 5.2.1 knows that order (its backend sorts them so)
but writes all the Version elements first and all the DeleteMarker elements after, so a key's
history cannot be told from the answer. Its answer is now put back in AWS's order, each key's
entries newest first by the order moto stored them in.

A seventh: an AWS::S3::Bucket created by CloudFormation gets its VersioningConfiguration on
AWS; moto 5.2.1 ignores the property, so every stack's bucket was unversioned and nothing
could test what a migration does with a versioned bucket's history. It is now applied.

An eighth: a change set is read back as AWS answers it. moto 5.2.1's GetTemplate ignores
ChangeSetName and returns the stack's template (an empty one for a stack under review), and its
DescribeChangeSet drops the capabilities and the tags the change set was made with and shows
NoEcho parameter values in clear. AWS returns the change set's own template (Original and
Processed, the same for a template without transforms, with StagesAvailable), the acknowledged
capabilities and the tags, and answers `****` for every NoEcho parameter, as DescribeStacks does
(moto's DescribeStacks compared values, not keys, with the NoEcho names, so it showed them too).

A ninth: moto 5.2.1 answers PutCompositeAlarm with a 500, although its PutMetricAlarm handler
reads AlarmRule "to re-use this method for composite alarms". PutCompositeAlarm now goes there,
and DescribeAlarms shows the rule as AWS does (AlarmRule), so parity can be tested with composite
alarms made by hand.

A tenth: ListObjectVersions ignores encoding-type=url in moto 5.2.1 (its ListObjectsV2 honours
it). AWS percent-encodes every key, marker and prefix of the answer then, which is how a key
holding a CR or a control character (legal in S3, not in XML) is listed whole. It now does.
"""

import sys

from moto.cloudformation import models as cloudformation

_execute_change_set = cloudformation.CloudFormationBackend.execute_change_set


def _execute_change_set_like_aws(self, change_set_name, stack_name=None):
    _execute_change_set(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name) or next(
        cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name
    )
    stack = change_set.stack
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    stack.parameters = change_set.parameters
    if change_set.tags:
        stack.tags = change_set.tags


cloudformation.CloudFormationBackend.execute_change_set = _execute_change_set_like_aws

import copy  # noqa: E402

from moto.ec2.models import amis as ec2_amis  # noqa: E402

_pristine_amis = copy.deepcopy(ec2_amis.AMIS)
_load_amis = ec2_amis.AmiBackend._load_amis


def _load_amis_per_region(self):
    ec2_amis.AMIS = copy.deepcopy(_pristine_amis)
    _load_amis(self)


ec2_amis.AmiBackend._load_amis = _load_amis_per_region

from moto.cloudformation import responses as cloudformation_responses  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402


def _update_termination_protection(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = (
        str(self._get_param("EnableTerminationProtection")).lower() == "true"
    )
    return ActionResult({"StackId": stack.stack_id})


cloudformation_responses.CloudFormationResponse.update_termination_protection = (
    _update_termination_protection
)

_create_change_set = cloudformation_responses.CloudFormationResponse.create_change_set


def _create_change_set_like_aws(self):
    # The instance attribute shadows the class's method for this one call only.
    self._validate_different_update = lambda *args, **kwargs: None
    try:
        return _create_change_set(self)
    finally:
        del self._validate_different_update


cloudformation_responses.CloudFormationResponse.create_change_set = _create_change_set_like_aws

import threading  # noqa: E402

from moto.s3 import responses as s3_responses  # noqa: E402

_conditional_write = threading.Lock()
_put_object = s3_responses.S3Response.put_object


def _put_object_atomically(self, *args, **kwargs):
    if self.headers.get("If-None-Match") or self.headers.get("If-Match"):
        with _conditional_write:
            return _put_object(self, *args, **kwargs)
    return _put_object(self, *args, **kwargs)


s3_responses.S3Response.put_object = _put_object_atomically

import re  # noqa: E402
from xml.sax.saxutils import unescape  # noqa: E402

_ENTRY = re.compile(rb"<(Version|DeleteMarker)>.*?</\1>", re.S)
_list_object_versions = s3_responses.S3Response.list_object_versions


def _field(block, name):
    found = re.search(rb"<" + name + rb">(.*?)</" + name + rb">", block, re.S)
    return unescape(found.group(1).decode("utf-8")) if found else None


def _list_object_versions_in_order(self):
    status, headers, body = _list_object_versions_in_aws_order(self)
    if self.querystring.get("encoding-type", [None])[0] != "url":
        return status, headers, body
    text = body.encode("utf-8") if isinstance(body, str) else body
    encoded = _url_encoded_names(text)
    return status, headers, encoded.decode("utf-8") if isinstance(body, str) else encoded


_NAMES = re.compile(rb"<(Key|NextKeyMarker|KeyMarker|Prefix|Delimiter)>(.*?)</\1>", re.S)


def _url_encoded_names(text):
    """ListObjectVersions with encoding-type=url, as AWS answers it and moto's ListObjectsV2 does:
    every key, marker, prefix and delimiter percent-encoded, so a key holding a CR or a control
    character survives the XML (moto 5.2.1 ignores the parameter for this call)."""
    from urllib.parse import quote

    def encode(match):
        value = unescape(match.group(2).decode("utf-8"))
        return b"<%s>%s</%s>" % (
            match.group(1),
            quote(value).encode("utf-8"),
            match.group(1),
        )

    encoded = _NAMES.sub(encode, text)
    return encoded.replace(
        b"</ListVersionsResult>", b"<EncodingType>url</EncodingType></ListVersionsResult>", 1
    )


def _list_object_versions_in_aws_order(self):
    status, headers, body = _list_object_versions(self)
    text = body.encode("utf-8") if isinstance(body, str) else body
    blocks = list(_ENTRY.finditer(text))
    if len(blocks) < 2:
        return status, headers, body
    start, end = blocks[0].start(), blocks[-1].end()
    between = _ENTRY.sub(b"", text[start:end])
    if between.strip():
        return status, headers, body  # not one run of entries: leave moto's answer alone
    bucket = self.backend.get_bucket(self.bucket_name)

    def position(block):
        key = _field(block.group(0), b"Key")
        version = _field(block.group(0), b"VersionId")
        stored = [
            "null" if item.version_id is None else str(item.version_id)
            for item in bucket.keys.getlist(key, [])
        ]
        # Stored oldest first: the newest, listed first, has the highest index.
        return (key, -stored.index(version) if version in stored else 0)

    ordered = b"".join(block.group(0) for block in sorted(blocks, key=position))
    fixed = text[:start] + ordered + text[end:]
    return status, headers, fixed.decode("utf-8") if isinstance(body, str) else fixed


s3_responses.S3Response.list_object_versions = _list_object_versions_in_order

from moto.s3 import models as s3_models  # noqa: E402

_create_bucket_from_cloudformation = s3_models.FakeBucket.create_from_cloudformation_json.__func__


def _create_bucket_with_versioning(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    bucket = _create_bucket_from_cloudformation(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    status = (
        cloudformation_json.get("Properties", {}).get("VersioningConfiguration", {}).get("Status")
    )
    if status in ("Enabled", "Suspended"):
        bucket.versioning_status = status
    return bucket


s3_models.FakeBucket.create_from_cloudformation_json = classmethod(_create_bucket_with_versioning)


_CHANGE_SET_CAPABILITIES = "_aws_capabilities"
_create_change_set_as_asked = cloudformation_responses.CloudFormationResponse.create_change_set


def _no_echo_keys(template_dict):
    parameters = (template_dict or {}).get("Parameters") or {}
    return {
        key
        for key, slot in parameters.items()
        if isinstance(slot, dict) and str(slot.get("NoEcho", "false")).lower() == "true"
    }


def _create_change_set_keeping_capabilities(self):
    result = _create_change_set_as_asked(self)
    change_set = self.cloudformation_backend.describe_change_set(result.result["Id"])
    setattr(change_set, _CHANGE_SET_CAPABILITIES, self._get_param("Capabilities", []))
    return result


cloudformation_responses.CloudFormationResponse.create_change_set = (
    _create_change_set_keeping_capabilities
)


def _change_set_named(self):
    name = self._get_param("ChangeSetName")
    stack_name = self._get_param("StackName")
    backend = self.cloudformation_backend
    if name in backend.change_sets:
        return backend.change_sets[name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == name and stack_name in (
            None,
            change_set.stack_name,
            change_set.stack_id,
        ):
            return change_set
    raise cloudformation.ValidationError(name, message=f"ChangeSet [{name}] does not exist")


def _describe_change_set_like_aws(self):
    change_set = _change_set_named(self)
    hidden = _no_echo_keys(change_set.template_dict)
    return ActionResult(
        {
            "ChangeSetName": change_set.change_set_name,
            "ChangeSetId": change_set.change_set_id,
            "StackId": change_set.stack_id,
            "StackName": change_set.stack_name,
            "Description": change_set.description,
            "Parameters": {
                key: "****" if key in hidden else value
                for key, value in (change_set.parameters or {}).items()
            },
            "CreationTime": change_set.creation_time,
            "ExecutionStatus": change_set.execution_status,
            "Status": change_set.status,
            "StatusReason": change_set.status_reason,
            "NotificationARNs": change_set.notification_arns or [],
            "Capabilities": getattr(change_set, _CHANGE_SET_CAPABILITIES, None) or None,
            "Tags": [{"Key": key, "Value": value} for key, value in (change_set.tags or {}).items()],
            "Changes": change_set.changes,
        }
    )


cloudformation_responses.CloudFormationResponse.describe_change_set = _describe_change_set_like_aws

_get_template_of_stack = cloudformation_responses.CloudFormationResponse.get_template


def _get_template_like_aws(self):
    if not self._get_param("ChangeSetName"):
        return _get_template_of_stack(self)
    change_set = _change_set_named(self)
    return ActionResult(
        {"TemplateBody": change_set.template, "StagesAvailable": ["Original", "Processed"]}
    )


cloudformation_responses.CloudFormationResponse.get_template = _get_template_like_aws


def _parameter_list_hiding_no_echo(self):
    hidden = set(self.resource_map.no_echo_parameter_keys)
    return [
        {"ParameterKey": key, "ParameterValue": "****" if key in hidden else value}
        for key, value in self.resource_map.resolved_parameters.items()
    ]


cloudformation.Stack.parameter_list = property(_parameter_list_hiding_no_echo)

from moto.cloudwatch import models as cloudwatch_models  # noqa: E402
from moto.cloudwatch import responses as cloudwatch_responses  # noqa: E402

cloudwatch_responses.CloudWatchResponse.put_composite_alarm = (
    cloudwatch_responses.CloudWatchResponse.put_metric_alarm
)
cloudwatch_models.Alarm.alarm_rule = property(lambda alarm: alarm.rule)

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
