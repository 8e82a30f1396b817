// ncc keeps the CLI's shebang but not its executable bit; set it so `npx mlload` runs.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
const cli = 'dist/cli/index.js';
const text = readFileSync(cli, 'utf8');
if (!text.startsWith('#!')) writeFileSync(cli, `#!/usr/bin/env node\n${text}`);
chmodSync(cli, 0o755);
