/**
 * Packer starts provisioning as soon as SSH or WinRM answers, while user data may still be
 * installing things (seed 000: the `C:\signal` file the team polled before going on). The
 * action puts a provisioner in front of the user's that waits for user data to finish.
 */
export const WAIT_MODES = ['none', 'cloud-init', 'signal-file'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

/**
 * Where the wait runs: on a Linux instance (`shell`), on a Windows instance (`powershell`), or
 * on the machine running Packer (`shell-local`, for the `null` builder and for hosts that are
 * not instances Packer connects to).
 */
export const PLATFORMS = ['linux', 'windows', 'local'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface UserDataWait {
  mode: Exclude<WaitMode, 'none'>;
  platform: Platform;
  signalPath: string;
  intervalSeconds: number;
  timeoutSeconds: number;
}

/** Every line the wait prints starts with this, so the action can pick them out of Packer's output. */
export const WAIT_MARKER = 'wait-for-user-data:';

export const BOOT_FINISHED = '/var/lib/cloud/instance/boot-finished';

export const DEFAULT_SIGNAL_PATH: Record<Platform, string> = {
  linux: '/var/lib/user-data/signal',
  local: '/var/lib/user-data/signal',
  windows: 'C:\\signal',
};

function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Sleeps until the next check, landing the last one exactly on the deadline. */
const SH_SLEEP = [
  '  step=$interval',
  '  if [ $((waited + step)) -gt "$timeout" ]; then step=$((timeout - waited)); fi',
  '  sleep "$step"',
  '  waited=$((waited + step))',
];

/**
 * The seed's protocol in POSIX sh: user data writes `1` while it runs, `-1` when it failed
 * (the lines after it are its message), anything else when it is done. A missing or empty file
 * means user data has not got that far yet, so the wait goes on: on Linux, cloud-init runs user
 * data after sshd is already answering.
 */
export function signalFileShellScript(
  wait: Pick<UserDataWait, 'signalPath' | 'intervalSeconds' | 'timeoutSeconds'>,
): string[] {
  const m = WAIT_MARKER;
  return [
    `signal_path=${shQuote(wait.signalPath)}`,
    `timeout=${wait.timeoutSeconds}`,
    `interval=${wait.intervalSeconds}`,
    'waited=0',
    "state=''",
    `echo "${m} waiting for user data to finish: $signal_path holds 1 while it runs, -1 when it failed, anything else when done (up to \${timeout}s, checked every \${interval}s)"`,
    'while true; do',
    '  if [ -f "$signal_path" ]; then',
    `    state=$(head -n 1 "$signal_path" 2>/dev/null | tr -d '\\r' | tr -d '[:space:]')`,
    '    if [ "$state" = "-1" ]; then',
    `      message=$(tail -n +2 "$signal_path" 2>/dev/null | tr -d '\\r')`,
    `      echo "${m} user data failed (signal -1): \${message:-it wrote no message after the -1}" >&2`,
    '      exit 1',
    '    fi',
    '    if [ -n "$state" ] && [ "$state" != "1" ]; then',
    `      echo "${m} user data finished (signal '$state') after \${waited}s"`,
    '      exit 0',
    '    fi',
    '  fi',
    '  if [ "$waited" -ge "$timeout" ]; then',
    '    if [ ! -f "$signal_path" ]; then',
    `      echo "${m} timed out after \${waited}s: $signal_path was never created; user data must write 1 to it when it starts and 0 when it is done" >&2`,
    '    else',
    `      echo "${m} timed out after \${waited}s: user data is still running; last value of $signal_path: '$state'" >&2`,
    '    fi',
    '    exit 1',
    '  fi',
    '  if [ -f "$signal_path" ]; then',
    `    echo "${m} still running (signal '$state') after \${waited}s"`,
    '  else',
    `    echo "${m} $signal_path not created yet after \${waited}s"`,
    '  fi',
    ...SH_SLEEP,
    'done',
  ];
}

/** The same protocol in PowerShell, for Windows instances (the seed's own platform). */
export function signalFilePowerShellScript(
  wait: Pick<UserDataWait, 'signalPath' | 'intervalSeconds' | 'timeoutSeconds'>,
): string[] {
  const m = WAIT_MARKER;
  return [
    `$signalPath = ${psQuote(wait.signalPath)}`,
    `$timeout = ${wait.timeoutSeconds}`,
    `$interval = ${wait.intervalSeconds}`,
    '$waited = 0',
    "$state = ''",
    `Write-Output "${m} waiting for user data to finish: $signalPath holds 1 while it runs, -1 when it failed, anything else when done (up to $($timeout)s, checked every $($interval)s)"`,
    'while ($true) {',
    '  if (Test-Path -LiteralPath $signalPath) {',
    '    $lines = @(Get-Content -LiteralPath $signalPath -ErrorAction SilentlyContinue)',
    '    $state = if ($lines.Count -gt 0) { "$($lines[0])".Trim() } else { \'\' }',
    "    if ($state -eq '-1') {",
    '      $message = (@($lines | Select-Object -Skip 1) -join " ").Trim()',
    "      if (-not $message) { $message = 'it wrote no message after the -1' }",
    `      [Console]::Error.WriteLine("${m} user data failed (signal -1): $message")`,
    '      exit 1',
    '    }',
    "    if ($state -ne '' -and $state -ne '1') {",
    `      Write-Output "${m} user data finished (signal '$state') after $($waited)s"`,
    '      exit 0',
    '    }',
    '  }',
    '  if ($waited -ge $timeout) {',
    '    if (-not (Test-Path -LiteralPath $signalPath)) {',
    `      [Console]::Error.WriteLine("${m} timed out after $($waited)s: $signalPath was never created; user data must write 1 to it when it starts and 0 when it is done")`,
    '    } else {',
    `      [Console]::Error.WriteLine("${m} timed out after $($waited)s: user data is still running; last value of $($signalPath): '$state'")`,
    '    }',
    '    exit 1',
    '  }',
    `  Write-Output "${m} still waiting (signal '$state') after $($waited)s"`,
    '  $step = [Math]::Min($interval, $timeout - $waited)',
    '  Start-Sleep -Seconds $step',
    '  $waited += $step',
    '}',
  ];
}

/**
 * cloud-init's own answer: `cloud-init status --wait` exits 0 when done, 1 on error and 2 when
 * done but degraded (recoverable errors). Without a `status` command (cloud-init before 18.x),
 * waits for the file cloud-init writes last, `boot-finished`.
 */
export function cloudInitShellScript(
  wait: Pick<UserDataWait, 'intervalSeconds' | 'timeoutSeconds'>,
  bootFinished = BOOT_FINISHED,
): string[] {
  const m = WAIT_MARKER;
  return [
    `timeout=${wait.timeoutSeconds}`,
    `interval=${wait.intervalSeconds}`,
    `boot_finished=${shQuote(bootFinished)}`,
    'if command -v cloud-init >/dev/null 2>&1 && cloud-init status --help >/dev/null 2>&1; then',
    `  echo "${m} waiting for cloud-init (cloud-init status --wait, up to \${timeout}s)"`,
    '  if command -v timeout >/dev/null 2>&1; then',
    '    output=$(timeout "$timeout" cloud-init status --wait 2>&1); code=$?',
    '  else',
    '    output=$(cloud-init status --wait 2>&1); code=$?',
    '  fi',
    '  output=$(printf "%s" "$output" | tr -d "." | tr "\\n" " " | sed "s/  */ /g; s/^ //; s/ $//")',
    '  case "$code" in',
    `    0) echo "${m} cloud-init finished: $output"; exit 0 ;;`,
    `    2) echo "${m} warning: cloud-init finished degraded (recoverable errors): $output"; cloud-init status --long 2>&1; exit 0 ;;`,
    `    124) echo "${m} timed out after \${timeout}s waiting for cloud-init: $output" >&2; exit 1 ;;`,
    `    1) echo "${m} cloud-init failed: $output" >&2; cloud-init status --long >&2 2>&1; exit 1 ;;`,
    `    *) echo "${m} cloud-init status --wait exited $code ($output); waiting for $boot_finished instead" ;;`,
    '  esac',
    'fi',
    'waited=0',
    'while [ ! -f "$boot_finished" ]; do',
    '  if [ "$waited" -ge "$timeout" ]; then',
    `    echo "${m} timed out after \${waited}s: $boot_finished does not exist (is cloud-init installed and running user data?)" >&2`,
    '    exit 1',
    '  fi',
    `  echo "${m} $boot_finished not there yet after \${waited}s"`,
    ...SH_SLEEP,
    'done',
    `echo "${m} cloud-init finished ($boot_finished exists) after \${waited}s"`,
  ];
}

/** The provisioner the action puts first in a JSON template. */
export function waitProvisioner(wait: UserDataWait): Record<string, unknown> {
  if (wait.platform === 'windows') {
    return { type: 'powershell', inline: signalFilePowerShellScript(wait) };
  }
  const inline =
    wait.mode === 'cloud-init' ? cloudInitShellScript(wait) : signalFileShellScript(wait);
  // Packer's default shebang is `/bin/sh -e`; the scripts handle every exit status themselves.
  return {
    type: wait.platform === 'local' ? 'shell-local' : 'shell',
    inline,
    inline_shebang: '/bin/sh',
  };
}
