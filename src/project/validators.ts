import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * A string without NUL characters, which PostgreSQL text cannot store (the insert would fail as
 * an internal error instead of a BAD_USER_INPUT). The message never quotes the value.
 */
export function NoNulChar(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'noNulChar',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must not contain NUL characters.`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !value.includes('\u0000') },
    });
}
