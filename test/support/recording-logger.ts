import { Secrets, type Location, type Logger } from '../../src/core/logger.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warning' | 'error' | 'group';
  message: string;
  location?: Location;
}

/** A Logger that remembers everything, so tests assert on what a user would have seen. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  readonly masked: string[] = [];

  debug(message: string): void {
    this.entries.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.entries.push({ level: 'info', message });
  }
  warning(message: string, location?: Location): void {
    this.entries.push({ level: 'warning', message, ...(location ? { location } : {}) });
  }
  error(message: string, location?: Location): void {
    this.entries.push({ level: 'error', message, ...(location ? { location } : {}) });
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.entries.push({ level: 'group', message: name });
    return fn();
  }
  private readonly secrets = new Secrets();
  mask(secret: string): void {
    this.masked.push(secret);
    this.secrets.add(secret);
  }
  /** As the actions' loggers redact: every form of every masked value. */
  redact(text: string): string {
    return this.secrets.redact(text);
  }

  messages(level?: LogEntry['level']): string[] {
    return this.entries
      .filter((entry) => !level || entry.level === level)
      .map((entry) => entry.message);
  }
}
