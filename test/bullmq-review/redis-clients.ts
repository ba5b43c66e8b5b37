import net from 'node:net';

/** How many clients Redis on `port` has now, besides the one asking (CLIENT LIST over a raw socket). */
export function redisClients(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write('CLIENT LIST\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (header === null || Buffer.byteLength(reply) < header[0].length + Number(header[1]) + 2) return;
      socket.destroy();
      const lines = reply
        .slice(header[0].length)
        .split('\n')
        .filter((line) => line.startsWith('id='));
      resolve(lines.filter((line) => !/ cmd=client\|list /.test(line)).length);
    });
  });
}
