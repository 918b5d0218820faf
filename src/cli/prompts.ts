import { CliError, EXIT, UsageError } from './errors';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/**
 * Everything the CLI asks a person. `flag` names the option that answers the question instead, so a
 * run with --no-input can say which flag is missing. Injectable: `run(argv, { prompter })`.
 */
export interface Prompter {
  input(q: { message: string; flag: string; default?: string; required?: boolean }): Promise<string>;
  password(q: { message: string; flag: string }): Promise<string>;
  select<T>(q: { message: string; flag: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  confirm(q: { message: string; flag: string; default?: boolean }): Promise<boolean>;
}

/** Never asks: every question is a usage error naming the flag to pass (`--no-input`). */
export const noInputPrompter: Prompter = {
  input: (q) => Promise.reject(new UsageError(`Missing ${q.flag} (not asking: --no-input).`)),
  password: (q) => Promise.reject(new UsageError(`Missing ${q.flag} (not asking: --no-input).`)),
  select: (q) => Promise.reject(new UsageError(`Missing ${q.flag} (not asking: --no-input).`)),
  confirm: (q) => Promise.reject(new UsageError(`Missing ${q.flag} (not asking: --no-input).`)),
};

/**
 * A question that ends without an answer: Ctrl-C at a terminal is "Cancelled." (130); piped input that
 * ran out is a missing value (usage, 2), naming the flag to pass instead. Never a stack trace.
 */
async function guarded<T>(input: NodeJS.ReadableStream, flag: string, ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (e) {
    if (e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError')) {
      if (!(input as { isTTY?: boolean }).isTTY) throw new UsageError(`Missing ${flag}: the input ended before an answer.`);
      throw new CliError('Cancelled.', EXIT.CANCELLED);
    }
    throw e;
  }
}

/**
 * Prompts with @inquirer/prompts, drawn on stderr so stdout stays clean for tables and --json.
 * They read stdin, so answers can also be piped in, one after another as each question appears.
 */
export function inquirerPrompter(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Prompter {
  // Loaded on first use: most commands never ask anything, and import() would make every prompt async twice.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = () => require('@inquirer/prompts') as typeof import('@inquirer/prompts');
  const context = { input, output } as { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } as never;
  return {
    input: (q) =>
      guarded(input, q.flag, () =>
        lib().input(
          {
            message: q.message,
            default: q.default,
            required: q.required,
            validate: q.required ? (v: string) => (v.trim() ? true : 'Please enter a value.') : undefined,
          },
          context,
        ),
      ),
    password: (q) =>
      guarded(input, q.flag, () => lib().password({ message: q.message, mask: '*', validate: (v: string) => (v ? true : 'Please enter a value.') }, context)),
    select: <T>(q: { message: string; flag: string; choices: Choice<T>[]; default?: T }) =>
      guarded(input, q.flag, () => lib().select<T>({ message: q.message, choices: q.choices, default: q.default, pageSize: 15 }, context)),
    confirm: (q) => guarded(input, q.flag, () => lib().confirm({ message: q.message, default: q.default ?? false }, context)),
  };
}
