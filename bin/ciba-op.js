#!/usr/bin/env -S node --no-node-snapshot
// isolated-vm needs --no-node-snapshot; the shebang passes it. Run `npm run build` first.
import '../dist/core/cli/main.js';
