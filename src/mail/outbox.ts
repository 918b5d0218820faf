import type { EntityManager } from 'typeorm';
import type { RenderedEmail } from './templates';

/**
 * Queues an email in the outbox. Call it with the transaction of the change that causes the
 * email, so the email exists exactly when the change does; the mail worker delivers it.
 */
export async function enqueueEmail(db: EntityManager, email: RenderedEmail & { kind: string; to: string }): Promise<string> {
  const [row]: { id: string }[] = await db.query(
    'INSERT INTO outbox_email (kind, to_address, subject, text_body, html_body) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [email.kind, email.to, email.subject, email.text, email.html],
  );
  return row.id;
}
