#!/usr/bin/env node
// The attn command line: implemented by the CLI issue.
console.error('attn: the command line is not built yet');
process.exit(2);
