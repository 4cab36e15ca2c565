/**
 * The one import site of chalk. Renderers take a Style and never look at process.env or streams: the CLI decides
 * whether a stream gets colour and passes createStyle(true | false).
 */
import { Chalk } from 'chalk';

export interface Style {
  readonly color: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** Colour level 1 (16 basic ANSI colours) when `color`, otherwise every function returns its text unchanged. */
export function createStyle(color: boolean): Style {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return {
    color,
    bold: (text) => chalk.bold(text),
    dim: (text) => chalk.dim(text),
    green: (text) => chalk.green(text),
    red: (text) => chalk.red(text),
    yellow: (text) => chalk.yellow(text),
    cyan: (text) => chalk.cyan(text),
  };
}
