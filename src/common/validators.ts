import { ValidationOptions, registerDecorator } from 'class-validator';

/** A string that is `min`–`max` characters long after trimming. */
export function TrimmedLength(min: number, max: number, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'trimmedLength',
      target: object.constructor,
      propertyName,
      options: {
        message: min > 0 ? `${propertyName} must be ${min}–${max} characters long.` : `${propertyName} must be at most ${max} characters long.`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          value === undefined || value === null || (typeof value === 'string' && value.trim().length >= min && value.trim().length <= max),
      },
    });
}

/**
 * What a single-line name must not hold: C0 and C1 control characters (CR, LF, tab, ESC, …) and
 * DEL, the Unicode line and paragraph separators, and the bidirectional embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069). Names travel into email subjects, headers and lists,
 * where a line break splits the line and an override reverses what a reader sees (docs/RULES.md §4).
 */
const NOT_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
export const isSingleLine = (value: string) => !NOT_SINGLE_LINE.test(value);

/** A name shown on one line: no control characters, line breaks or bidirectional overrides. Null and undefined pass (optional fields). */
export function SingleLine(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'singleLine',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be one line, without control characters or bidirectional overrides.`, ...options },
      validator: { validate: (value: unknown) => value === undefined || value === null || (typeof value === 'string' && isSingleLine(value)) },
    });
}

/**
 * The name of a file without a path: one line (see SingleLine), no slash or backslash, and not
 * `.` or `..`, which name directories wherever the name is later used as a path.
 */
export function IsFileName(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isFileName',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a file name without a path: one line, no slashes, and not "." or "..".`, ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isSingleLine(value) && !/[/\\]/.test(value) && value.trim() !== '.' && value.trim() !== '..',
      },
    });
}

/** A well-formed email address (practical check: one @, a dot in the domain, no spaces, ≤ 320 chars). */
export const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/;
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const isEmail = (value: string) => value.trim().length <= 320 && EMAIL.test(value.trim());

export function IsEmailAddress(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isEmailAddress',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a valid email address.`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isEmail(value) },
    });
}

/** An http(s) URL up to 2048 characters, or null/empty to clear. */
export function IsHttpUrl(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an http(s) URL of at most 2048 characters.`, ...options },
      validator: {
        validate: (value: unknown) => {
          if (value === undefined || value === null || value === '') return true;
          if (typeof value !== 'string' || value.length > 2048) return false;
          try {
            return ['http:', 'https:'].includes(new URL(value).protocol);
          } catch {
            return false;
          }
        },
      },
    });
}
