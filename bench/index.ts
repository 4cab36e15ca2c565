/** `npm run bench`: every benchmark in bench/, one after another. Not part of the test suite. */
await import('./virtual.js');
await import('./hub.js');
await import('./attestation.js');
