/**
 * Exit code 78 (EX_CONFIG): the configuration is wrong, and restarting cannot fix it, so supervisors do
 * not. A module of its own, importing nothing, so the launcher (run by Node without a build) reads it too.
 */
export const CONFIG_ERROR_EXIT = 78;

/** Exit code 64 (EX_USAGE): a command-line tool was called with arguments it does not take. */
export const USAGE_EXIT = 64;
