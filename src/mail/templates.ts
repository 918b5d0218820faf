/**
 * Email templates: each returns a subject, a plain-text body and an HTML body. Everything a
 * person typed (names, the invitation message) is escaped in the HTML body.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** Subject lines are single lines: no header injection through a workspace or person name. */
const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, ' ').trim();

const formatDate = (date: Date) =>
  date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');

const ROLE_NAMES: Record<string, string> = { VIEWER: 'viewer', MEMBER: 'member', ADMIN: 'admin', OWNER: 'owner' };
const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

function layout(title: string, paragraphs: string[]): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>' + escapeHtml(title) + '</title></head>',
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222;">',
    ...paragraphs,
    '</body></html>',
  ].join('\n');
}

const button = (href: string, label: string) =>
  `<p><a href="${escapeHtml(href)}" style="display: inline-block; padding: 8px 16px; background: #2b5cd6; color: #fff; text-decoration: none; border-radius: 4px;">${escapeHtml(label)}</a></p>`;

export function invitationEmail(args: {
  workspaceName: string;
  inviterName: string | null;
  role: string;
  message: string | null;
  expiresAt: Date;
  link: string;
}): RenderedEmail {
  const role = ROLE_NAMES[args.role] ?? args.role.toLowerCase();
  const who = args.inviterName ?? 'Someone';
  const subject = oneLine(`${who} invited you to ${args.workspaceName} on Atrium`);
  const text = [
    `${who} invited you to join the workspace "${args.workspaceName}" on Atrium as ${article(role)} ${role}.`,
    ...(args.message ? ['', `Their message:`, ...args.message.split(/\r?\n/).map((l) => `> ${l}`)] : []),
    '',
    'Accept the invitation:',
    args.link,
    '',
    `The link works until ${formatDate(args.expiresAt)}. If you did not expect this invitation, you can ignore this email.`,
  ].join('\n');
  const html = layout(subject, [
    `<p><strong>${escapeHtml(who)}</strong> invited you to join the workspace <strong>${escapeHtml(args.workspaceName)}</strong> on Atrium as ${article(role)} <strong>${escapeHtml(role)}</strong>.</p>`,
    ...(args.message
      ? [`<blockquote style="border-left: 3px solid #ccc; margin: 0; padding-left: 12px; white-space: pre-wrap;">${escapeHtml(args.message)}</blockquote>`]
      : []),
    button(args.link, 'Accept the invitation'),
    `<p>Or open this link: <a href="${escapeHtml(args.link)}">${escapeHtml(args.link)}</a></p>`,
    `<p style="color: #666;">The link works until ${escapeHtml(formatDate(args.expiresAt))}. If you did not expect this invitation, you can ignore this email.</p>`,
  ]);
  return { subject, text, html };
}

export function passwordResetEmail(args: { name: string; expiresAt: Date; link: string }): RenderedEmail {
  const subject = 'Reset your Atrium password';
  const text = [
    `Hello ${args.name},`,
    '',
    'Someone (hopefully you) asked to reset the password of your Atrium account. Choose a new password here:',
    args.link,
    '',
    `The link works once, until ${formatDate(args.expiresAt)}. If you did not ask for this, ignore this email: your password stays as it is.`,
  ].join('\n');
  const html = layout(subject, [
    `<p>Hello ${escapeHtml(args.name)},</p>`,
    '<p>Someone (hopefully you) asked to reset the password of your Atrium account.</p>',
    button(args.link, 'Choose a new password'),
    `<p>Or open this link: <a href="${escapeHtml(args.link)}">${escapeHtml(args.link)}</a></p>`,
    `<p style="color: #666;">The link works once, until ${escapeHtml(formatDate(args.expiresAt))}. If you did not ask for this, ignore this email: your password stays as it is.</p>`,
  ]);
  return { subject, text, html };
}

export function emailVerificationEmail(args: { name: string; expiresAt: Date; link: string }): RenderedEmail {
  const subject = 'Verify your email address for Atrium';
  const text = [
    `Hello ${args.name},`,
    '',
    'Someone (hopefully you) created an Atrium account with this email address. Confirm that it is yours:',
    args.link,
    '',
    `The link works once, until ${formatDate(args.expiresAt)}. If you did not create this account, ignore this email: until the address is verified the account sees none of the invitations sent to it.`,
  ].join('\n');
  const html = layout(subject, [
    `<p>Hello ${escapeHtml(args.name)},</p>`,
    '<p>Someone (hopefully you) created an Atrium account with this email address. Confirm that it is yours.</p>',
    button(args.link, 'Verify my email address'),
    `<p>Or open this link: <a href="${escapeHtml(args.link)}">${escapeHtml(args.link)}</a></p>`,
    `<p style="color: #666;">The link works once, until ${escapeHtml(formatDate(args.expiresAt))}. If you did not create this account, ignore this email: until the address is verified the account sees none of the invitations sent to it.</p>`,
  ]);
  return { subject, text, html };
}

/** The accept page of an invitation. */
export const invitationLink = (publicUrl: string, token: string) => `${publicUrl}/invitations/accept?token=${encodeURIComponent(token)}`;

/** The page where a reset token is used. */
export const passwordResetLink = (publicUrl: string, token: string) => `${publicUrl}/password-reset?token=${encodeURIComponent(token)}`;

/** The page where a verification token is used. */
export const emailVerificationLink = (publicUrl: string, token: string) => `${publicUrl}/verify-email?token=${encodeURIComponent(token)}`;
