/** The highest `priority` a run may ask for; 0 is the default, and higher runs first. */
export const MAX_RUN_PRIORITY = 1000;
