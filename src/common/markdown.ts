import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML in the source is escaped, not passed through; markdown-it also refuses javascript: links.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

/**
 * Renders Markdown to HTML that is safe to insert in a page: no scripts, no event handlers, no
 * javascript: links. Rendered once when the description is written, not on every read.
 */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'h1', 'h2']),
    allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], code: ['class'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }) },
  });
}
