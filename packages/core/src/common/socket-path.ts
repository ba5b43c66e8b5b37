// sun_path's size: the bind cuts a longer Unix socket path short, silently.
export const MAX_SOCKET_PATH = process.platform === 'linux' ? 108 : 104;

/** Whether `socketPath` fits in a Unix socket address. */
export const fitsSocketPath = (socketPath: string): boolean => Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH;
