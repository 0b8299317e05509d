#!/usr/bin/env -S node --no-node-snapshot --max-semi-space-size=4
// The OP's Node flags (core/cli/node-flags.ts says why each). Run `npm run build` first.
import '../dist/core/cli/main.js';
