import { createSocket, type RemoteInfo } from 'node:dgram';

export interface UdpRelay {
  /** The loopback port to send to instead of the server's. */
  readonly port: number;
  /** Every datagram the server sent back, in order. */
  readonly replies: Buffer[];
  close(): Promise<void>;
}

/**
 * Passes datagrams on to a UDP server from another loopback address (`from`, such as
 * 127.0.0.2), optionally `copies` times each, and the server's answers back: a client on another
 * host, or a network that duplicates packets, for a client program that cannot choose either.
 */
export async function startUdpRelay(options: {
  readonly to: { readonly host: string; readonly port: number };
  readonly from: string;
  readonly copies?: number;
}): Promise<UdpRelay> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  const replies: Buffer[] = [];
  let client: RemoteInfo | undefined;
  await Promise.all([
    new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => back.bind(0, options.from, resolve)),
  ]);
  front.on('message', (datagram, sender) => {
    client = sender;
    for (let i = 0; i < (options.copies ?? 1); i++) back.send(datagram, options.to.port, options.to.host);
  });
  back.on('message', (datagram) => {
    replies.push(datagram);
    if (client) front.send(datagram, client.port, client.address);
  });
  return {
    port: front.address().port,
    replies,
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => front.close(() => resolve())),
        new Promise<void>((resolve) => back.close(() => resolve())),
      ]);
    },
  };
}
