/**
 * The inputs of action-build-ami for the sample service's image (demo/ami/sample-service.json)
 * built against moto: the newest Amazon Linux 2 base image, and user data played by a signal
 * file on this machine. Shared by the demo and the tests that build it.
 */
export function sampleAmiInputs(options: {
  template: string;
  name: string;
  workingDirectory: string;
  manifestFile: string;
  signalPath: string;
}): Record<string, string> {
  return {
    template: options.template,
    name: options.name,
    version: '1.0.0',
    'working-directory': options.workingDirectory,
    'manifest-file': options.manifestFile,
    'source-ami-filter': 'owners=amazon\nname=amzn2-ami-hvm-*-x86_64-gp2',
    'wait-for-user-data': 'signal-file',
    platform: 'local',
    'signal-path': options.signalPath,
    'signal-interval-seconds': '1',
    'signal-timeout-seconds': '30',
  };
}
