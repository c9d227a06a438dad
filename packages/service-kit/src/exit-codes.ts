/**
 * Exit code 78 (EX_CONFIG): the configuration is wrong, and restarting cannot fix it, so supervisors do
 * not. A module of its own, importing nothing, so the launcher (run by Node without a build) reads it too.
 */
export const CONFIG_ERROR_EXIT = 78;
