// Preloaded into a profiled pack: exit normally on SIGTERM so node writes the --cpu-prof profile.
process.on("SIGTERM", () => process.exit(0));
