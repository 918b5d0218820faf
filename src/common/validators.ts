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
