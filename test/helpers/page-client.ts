import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** One response, with the bits the page tests look at. */
export interface PageResponse {
  readonly status: number;
  readonly headers: LightMyRequestResponse['headers'];
  readonly html: string;
  /** The Location header of a redirect. */
  readonly location: string | undefined;
  readonly setCookies: readonly { name: string; value: string; [attribute: string]: unknown }[];
  readonly raw: LightMyRequestResponse;
}

/**
 * A browser, as far as the server can tell, over `app.inject()`: it keeps cookies (a jar per
 * client, so two clients are two browsers) and sends `Accept: text/html`. It follows no
 * redirects by itself, so tests see every 303.
 */
export class PageClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly ip = '203.0.113.7',
  ) {}

  get(url: string): Promise<PageResponse> {
    return this.request('GET', url);
  }

  /** Posts a url-encoded form; `_csrf` is whatever the caller puts in `fields`. */
  post(url: string, fields: Record<string, string>): Promise<PageResponse> {
    return this.request('POST', url, new URLSearchParams(fields).toString());
  }

  /** GET `url` and POST back its first form for `action`, with its hidden fields and `fields`. */
  async submit(pageUrl: string, action: string, fields: Record<string, string>): Promise<PageResponse> {
    const page = await this.get(pageUrl);
    return this.post(action, { ...hiddenFields(page.html, action), ...fields });
  }

  /**
   * Logs in through the form; the response is the POST's (a 303 when it worked). The page is
   * asked for with `next` so it shows the form even to a browser that is already signed in.
   */
  login(username: string, password: string, next = '/account'): Promise<PageResponse> {
    return this.submit(`/login?next=${encodeURIComponent(next)}`, '/login', { username, password });
  }

  /** The code step of a login that asked for it. */
  enterCode(otp: string): Promise<PageResponse> {
    return this.submit('/login', '/login/code', { otp });
  }

  get sessionToken(): string | undefined {
    return this.cookies.get('twofold_session');
  }

  private async request(method: 'GET' | 'POST', url: string, payload?: string): Promise<PageResponse> {
    const cookieHeader = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.app.inject({
      method,
      url,
      remoteAddress: this.ip,
      headers: {
        accept: 'text/html,application/xhtml+xml',
        ...(cookieHeader ? { cookie: cookieHeader } : {}),
        ...(payload === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(payload === undefined ? {} : { payload }),
    });
    const setCookies = response.cookies as PageResponse['setCookies'];
    for (const cookie of setCookies) {
      // The server's clock is a test clock, so expiry dates mean nothing here; a cleared cookie does.
      if (cookie.value === '' || cookie.maxAge === 0) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const location = response.headers.location;
    return {
      status: response.statusCode,
      headers: response.headers,
      html: response.body,
      location: typeof location === 'string' ? location : undefined,
      setCookies,
      raw: response,
    };
  }
}

/** The hidden inputs of the form posting to `action` (the first one, when there are several). */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const form = formHtml(html, action);
  const fields: Record<string, string> = {};
  for (const match of form.matchAll(/<input\b[^>]*\btype="hidden"[^>]*>/g)) {
    const name = attribute(match[0], 'name');
    if (name) fields[name] = attribute(match[0], 'value') ?? '';
  }
  return fields;
}

export function formHtml(html: string, action: string): string {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<form\\b[^>]*\\baction="${escaped}"[^>]*>[\\s\\S]*?</form>`).exec(html);
  if (!match) throw new Error(`No form posting to ${action} on the page:\n${text(html).slice(0, 500)}`);
  return match[0];
}

export function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return match ? decodeEntities(match[1]!) : undefined;
}

/** The visible text of a page, tags dropped and entities decoded: what a person reads. */
export function text(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}

export function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The label text of every input, by the input's id: a field without a label shows as missing. */
export function labels(html: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of html.matchAll(/<label\b[^>]*\bfor="([^"]+)"[^>]*>([\s\S]*?)<\/label>/g)) {
    result.set(match[1]!, text(match[2]!));
  }
  return result;
}

/** The ids of the visible inputs (not hidden, not buttons) on the page. */
export function inputIds(html: string): string[] {
  return [...html.matchAll(/<input\b[^>]*>/g)]
    .map((match) => match[0])
    .filter((tag) => attribute(tag, 'type') !== 'hidden')
    .map((tag) => attribute(tag, 'id') ?? '(input without id)');
}
