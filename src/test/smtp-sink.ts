/**
 * Test support: a real SMTP server on loopback (the smtp-server package) that keeps every message
 * it receives, parsed by mailparser so tests read subjects, bodies and links as a mail client
 * would. Not part of the build (tsconfig.build.json leaves src/test out).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  raw: string;
}

/** Parses one message as received: MIME structure, transfer encodings and encoded words. */
export async function parseMail(raw: string, to: string[]): Promise<ReceivedMail> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  return { to, subject: parsed.subject ?? '', text: parsed.text ?? '', html: parsed.html || '', messageId: parsed.messageId ?? '', raw };
}

export class SmtpSink {
  private constructor(
    private server: SMTPServer,
    readonly port: number,
    readonly messages: ReceivedMail[],
  ) {}

  /** Starts a sink on 127.0.0.1 (port 0: any free port). */
  static async start(port = 0): Promise<SmtpSink> {
    const messages: ReceivedMail[] = [];
    // Parsed one after another, so `messages` keeps the order in which messages arrived; the
    // client's send completes only once its message is in the list.
    let parsing = Promise.resolve();
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      disableReverseLookup: true,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const to = session.envelope.rcptTo.map((r) => r.address);
          parsing = parsing.then(() =>
            parseMail(raw, to).then(
              (mail) => {
                messages.push(mail);
                callback();
              },
              (error: Error) => callback(error),
            ),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const actual = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
    return new SmtpSink(server, actual, messages);
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages to one address, oldest first. */
  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The token of the first link to `path` in a message's text body. */
export function tokenFrom(mail: Pick<ReceivedMail, 'text'>, path: '/invitations/accept' | '/password-reset' | '/verify-email'): string {
  const match = new RegExp(`${path.replace(/\//g, '\\/')}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return decodeURIComponent(match[1]);
}
