// Runs radclient (FreeRADIUS, by people who are not us) as the RADIUS client.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Fails (never skips) when radclient is missing: a RADIUS test that did not run proves nothing. */
export async function assertRadclientInstalled(): Promise<void> {
  try {
    await execFileAsync('radclient', ['-v']);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is not on PATH' : 'does not run';
    throw new Error(
      `radclient ${reason}: install it with \`apt-get install -y freeradius-utils\` (\`npm test\` does this through scripts/test.sh)`,
    );
  }
}

export interface RadclientReply {
  /** `Access-Accept`, `Access-Reject`, `Access-Challenge`; undefined when no answer came. */
  readonly code: string | undefined;
  /** The reply's attributes as radclient prints them, quotes removed (`State` stays `0x…`). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Everything radclient printed, for failure messages. */
  readonly output: string;
}

export interface RadclientRequest {
  readonly port: number;
  readonly secret: string;
  readonly userName: string;
  readonly password: string;
  /** `0x…`, from an earlier Access-Challenge. */
  readonly state?: string;
  /** Sent unless false: radclient adds a correct one for `Message-Authenticator = 0x00`. */
  readonly messageAuthenticator?: boolean;
  readonly extra?: Readonly<Record<string, string>>;
  readonly host?: string;
}

/**
 * One Access-Request with `radclient -x auth`: one second to answer and no retry, so a dropped
 * request comes back as "no answer" quickly.
 */
export function radclient(request: RadclientRequest): Promise<RadclientReply> {
  const lines = [
    `User-Name = "${quoted(request.userName)}"`,
    `User-Password = "${quoted(request.password)}"`,
    ...(request.state ? [`State = ${request.state}`] : []),
    ...(request.messageAuthenticator === false ? [] : ['Message-Authenticator = 0x00']),
    ...Object.entries(request.extra ?? {}).map(([name, value]) => `${name} = "${quoted(value)}"`),
  ];
  const server = `${request.host ?? '127.0.0.1'}:${request.port}`;
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-t', '1', '-r', '1', server, 'auth', request.secret], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', () => resolve(parseReply(output)));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

function quoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function parseReply(output: string): RadclientReply {
  const received = /^Received (Access-\w+) Id \d+ [^\n]*\n((?:[ \t]+[^\n]*\n?)*)/m.exec(output);
  if (!received) return { code: undefined, attributes: {}, output };
  const attributes: Record<string, string> = {};
  for (const line of received[2]!.split('\n')) {
    const match = /^\s+([\w-]+) = (.*)$/.exec(line);
    if (match) attributes[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return { code: received[1], attributes, output };
}
