/**
 * Preloaded (`-r`) into server processes started by the resilience tests: when the test process
 * goes away (its end of our stdin closes), shut down as on SIGTERM instead of running on orphaned.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
// Reading stdin must not be what keeps the process alive.
(process.stdin as unknown as { unref?: () => void }).unref?.();
