/**
 * Making untrusted text safe in Slack `mrkdwn`. SQL, comments, names and reasons come from
 * users; without escaping, `<!channel>` in a statement would page a whole channel and
 * `<https://evil|Approve>` would show a fake link.
 * @see https://api.slack.com/reference/surfaces/formatting#escaping
 */

/**
 * Slack's three control characters as the HTML entities Slack documents. `&` goes first so
 * the entities we add are not escaped again. Everything user-supplied goes through this.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * At most `max` characters, with `…` when cut. Never splits a UTF-16 surrogate pair, which
 * would put an invalid character into the JSON Slack parses.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Clip, then escape: the usual treatment of a user-supplied string shown inline. */
export function inline(text: string, max = 200): string {
  return escapeMrkdwn(clip(text.replace(/\s+/g, ' ').trim(), max));
}

/**
 * Cut already-escaped text to at most `max` characters without leaving half an entity
 * (`&am…`) behind, which Slack would show as garbage.
 */
export function clipEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = clip(text, max).slice(0, -1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/**
 * A fenced code block for SQL. The text is cut to about `max` characters, escaped, and any
 * run of backticks is broken up with zero-width spaces so a ``` in the SQL cannot close the
 * block early and let the rest be read as formatting. The cap on the escaped text keeps the
 * section under Slack's 3000-character limit for a text object even when every character
 * needed an entity.
 * @see https://api.slack.com/reference/block-kit/composition-objects#text
 */
export function codeBlock(sql: string, max = 600): string {
  const escaped = escapeMrkdwn(clip(sql.trim(), max)).replace(/`(?=`)/g, '`\u200b');
  return `\`\`\`\n${clipEscaped(escaped, 2000)}\n\`\`\``;
}

/**
 * A link `<url|label>`. The URL is ours (built from `publicUrl`), but it is escaped all the
 * same, and a `|` (which would end the URL part) is percent-encoded.
 * @see https://api.slack.com/reference/surfaces/formatting#linking-urls
 */
export function link(url: string, label: string): string {
  return `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(label)}>`;
}

/**
 * A time shown in each reader's own time zone, with the ISO text as the fallback for clients
 * that cannot render it.
 * @see https://api.slack.com/reference/surfaces/formatting#date-formatting
 */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return inline(iso, 40);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${escapeMrkdwn(iso)}>`;
}
