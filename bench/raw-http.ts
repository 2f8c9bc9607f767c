import { connect, type Socket } from 'node:net';

/**
 * One keep-alive HTTP/1.1 client connection that sends a request and waits for its status, with
 * nothing else: no streams, header objects or agent.
 *
 * The login suite's load generator shares the two cores with the server it measures. Node's
 * `http.request` cost ~700 µs of CPU per request at login's ~100 requests/s (each one wakes the
 * loop alone, so nothing is amortized) and ~1.3 ms under argon2's cache pressure: CPU the
 * server's logins lost and the argon2 ceiling (no load generator) did not. This costs ~150 µs.
 */
export class RawHttpConnection {
  #socket: Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #answer: ((status: number) => void) | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly localAddress?: string,
  ) {}

  /** Sends a whole request (head and body); resolves its status, or 0 when the connection failed. */
  send(request: string): Promise<number> {
    this.#socket ??= this.#open();
    return new Promise((resolve) => {
      this.#answer = resolve;
      this.#socket!.write(request);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #open(): Socket {
    const socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    });
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#readAnswer();
    });
    const lost = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#buffer = Buffer.alloc(0);
      this.#settle(0);
    };
    socket.on('error', lost);
    socket.on('close', lost);
    return socket;
  }

  /** Settles the request once its whole answer is in: by Content-Length, or chunk by chunk. */
  #readAnswer(): void {
    const headEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.#buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let end: number;
    if (length) {
      end = headEnd + 4 + Number(length[1]);
      if (this.#buffer.length < end) return;
    } else {
      const lastChunk = this.#buffer.indexOf('\r\n0\r\n\r\n', headEnd);
      if (lastChunk < 0) return;
      end = lastChunk + 7;
    }
    this.#buffer = this.#buffer.subarray(end);
    // "HTTP/1.1 200 OK": the status is characters 9 to 11.
    const status = Number(head.slice(9, 12));
    if (/\r\nconnection: *close/i.test(head)) this.close();
    this.#settle(Number.isInteger(status) ? status : 0);
  }

  #settle(status: number): void {
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.(status);
  }
}

/** A POST request with a JSON body, as one string for `RawHttpConnection.send`. */
export function jsonPost(host: string, path: string, body: string): string {
  return (
    `POST ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
