/** Exit code of a worker that refuses to run as configured (sysexits' EX_CONFIG): restarting it would not help. */
export const EXIT_MISCONFIGURED = 78;
