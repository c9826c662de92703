/** Bad usage of a command (exit code 2): a missing or wrong argument, told before anything runs. */
export class UsageError extends Error {}
