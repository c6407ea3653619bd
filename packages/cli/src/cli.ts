// The `selfsup` executable (the "bin" of @selfsup/cli); tsup adds the `#!/usr/bin/env node` line.
import { main } from './main';

process.exitCode = await main(process.argv.slice(2));
