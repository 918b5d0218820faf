import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { defaultLogger, type Logger } from '../hardening/logging';
import type { BackgroundJob } from '../jobs';

interface OutboxRow {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
}

/**
 * How long a claimed message stays invisible to other workers while one tries to send it: longer
 * than a whole batch can take with the SMTP timeouts below (10 × 75 s), so no message is sent
 * twice, and short enough that a message whose worker died goes out again the same hour.
 */
const LEASE_SECONDS = 900;
const BATCH_SIZE = 10;
/** Backoff after the n-th failed attempt: 30 s, 1 min, 2 min, … capped at 6 hours. */
export const backoffSeconds = (attempts: number) => Math.min(30 * 2 ** Math.max(0, attempts - 1), 6 * 3600);

interface Sender {
  send(row: OutboxRow): Promise<void>;
  close(): void;
}

function message(config: Config, row: OutboxRow) {
  return {
    from: config.mailFrom,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    messageId: `<${row.id}@atrium.outbox>`,
    headers: { 'X-Atrium-Kind': row.kind },
  };
}

/** SMTP via nodemailer (SMTP_URL). */
function smtpSender(config: Config): Sender {
  const transport = nodemailer.createTransport({
    url: config.smtpUrl,
    // One pass reuses a few connections instead of opening one per message.
    pool: true,
    maxConnections: 2,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as any);
  return {
    send: async (row) => {
      await transport.sendMail(message(config, row));
    },
    close: () => transport.close(),
  };
}

/** Without SMTP: each message becomes a .eml file under <DATA_DIR>/mail/, and its links go to the server log. */
function fileSender(config: Config, logger: Logger): Sender {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const dir = path.join(config.dataDir, 'mail');
  return {
    send: async (row) => {
      const info = (await transport.sendMail(message(config, row))) as unknown as { message: Buffer };
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${row.kind}-${row.id}.eml`);
      await fs.writeFile(file, info.message);
      const links = [...new Set(row.text_body.match(/https?:\/\/\S+/g) ?? [])];
      // The link is the point of this line: without SMTP it is how a developer opens the email's page.
      logger.info(
        { mail: { id: row.id, kind: row.kind, to: row.to_address }, file: `file://${file}`, links },
        `mail "${row.subject}" to ${row.to_address} written to file://${file}${links.length ? `; link: ${links.join(' ')}` : ''}`,
      );
    },
    close: () => transport.close(),
  };
}

/**
 * Claims due messages and marks them as being tried: one statement with FOR UPDATE SKIP LOCKED,
 * so several processes never claim the same row, and a lease (next_attempt_at in the future) so
 * a message whose worker died is retried later instead of being lost.
 */
async function claim(db: DataSource, config: Config, limit: number): Promise<OutboxRow[]> {
  return db.query(
    `WITH due AS (
        SELECT id FROM outbox_email
         WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < $2
         ORDER BY next_attempt_at, created_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED),
      claimed AS (
        UPDATE outbox_email o SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $3::int)
          FROM due WHERE o.id = due.id
        RETURNING o.id, o.kind, o.to_address, o.subject, o.text_body, o.html_body, o.attempts)
     SELECT * FROM claimed`,
    [limit, Math.max(1, config.mailMaxAttempts), LEASE_SECONDS],
  );
}

/**
 * Delivers every due outbox message once: one pass of the mail worker, exported so tests can run
 * it directly. A failed message is retried with exponential backoff until `mailMaxAttempts`.
 * Safe to run in several processes at once.
 */
export async function deliverDue(
  db: DataSource,
  config: Config,
  options: { batchSize?: number; maxBatches?: number; logger?: Logger } = {},
): Promise<{ sent: number; failed: number }> {
  const logger = options.logger ?? defaultLogger();
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const maxBatches = options.maxBatches ?? 50;
  let sender: Sender | null = null;
  let sent = 0;
  let failed = 0;
  try {
    for (let batch = 0; batch < maxBatches; batch++) {
      const rows = await claim(db, config, batchSize);
      if (!rows.length) break;
      sender ??= config.smtpUrl ? smtpSender(config) : fileSender(config, logger);
      for (const row of rows) {
        try {
          await sender.send(row);
          // The body held a one-time link whose token is otherwise stored only as a hash: once
          // delivered, it is erased so a database dump cannot replay it.
          await db.query(`UPDATE outbox_email SET sent_at = now(), last_error = NULL, text_body = '', html_body = '' WHERE id = $1`, [row.id]);
          sent++;
          if (config.smtpUrl) logger.info({ mail: { id: row.id, kind: row.kind, to: row.to_address }, attempt: row.attempts }, 'mail sent');
        } catch (error) {
          failed++;
          const reason = String((error as Error)?.message ?? error).slice(0, 1000);
          await db.query('UPDATE outbox_email SET next_attempt_at = now() + make_interval(secs => $2::int), last_error = $3 WHERE id = $1', [
            row.id,
            backoffSeconds(row.attempts),
            reason,
          ]);
          const final = row.attempts >= config.mailMaxAttempts;
          const fields = { mail: { id: row.id, kind: row.kind, to: row.to_address }, attempt: row.attempts, error: reason };
          if (final) logger.error(fields, `mail to ${row.to_address} failed ${row.attempts} times; giving up`);
          else logger.warn({ ...fields, retryInSeconds: backoffSeconds(row.attempts) }, `mail to ${row.to_address} failed; will retry`);
        }
      }
      if (rows.length < batchSize) break;
    }
  } finally {
    sender?.close();
  }
  return { sent, failed };
}

/** The mail worker as a background job (src/jobs.ts). */
export const mailJob: BackgroundJob = {
  name: 'mail',
  runOnce: ({ db, config, logger }) => deliverDue(db, config, { logger }),
  intervalMs: (config) => Math.max(1, config.mailIntervalSeconds) * 1000,
};
