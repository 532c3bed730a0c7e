// SIGTERM or Ctrl-C on a running server: say so (unless --json), let
// in-flight requests finish and release what the server holds (`shutdown`),
// then exit 0; a failing shutdown is reported and exits 1. A second signal
// while draining changes nothing.
export function exitOnSignals(shutdown: () => Promise<void>, o: { json: boolean }): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!o.json) process.stdout.write(`${signal}: finishing in-flight requests…\n`);
    void shutdown()
      .then(() => process.exit(0))
      .catch((e) => {
        process.stderr.write(`error while shutting down: ${(e as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
