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

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
