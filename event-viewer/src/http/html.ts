const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Tagged template that escapes every interpolated value unless it is already `Html`,
 * so forgetting to escape is impossible rather than merely unlikely.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    out += parts
      .map((part) =>
        part instanceof Html
          ? part.text
          : part === undefined || part === null || part === false
            ? ''
            : escapeHtml(part),
      )
      .join('');
    out += strings[i + 1]!;
  });
  return new Html(out);
}
