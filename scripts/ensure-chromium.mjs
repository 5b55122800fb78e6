// Browser tests drive Debian's Chromium through playwright-core (never a
// downloaded browser). This makes sure /usr/bin/chromium exists before the test
// run: as root it installs Debian's package; otherwise it says what to run.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.error('attn: installing Debian chromium for the browser tests...');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null', {
      stdio: 'inherit',
      shell: '/bin/bash',
    });
  } else {
    console.error(`attn: browser tests need Chromium at ${CHROMIUM}; install it with: sudo apt-get install chromium`);
    process.exit(1);
  }
}
