/**
 * The worker's logger: one JSON line per record (or a short human line with
 * LOG_FORMAT=pretty). The SDK's replay-aware workflow and activity loggers route here, and
 * they attach workflowId, runId, workflowType / activityType to every record; our own
 * workflow log calls add deliveryId where an event is involved.
 */
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';

const ORDER: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export interface WorkerLoggerOptions {
  level: 'debug' | 'info' | 'warn' | 'error';
  format: 'json' | 'pretty';
  write?: (line: string) => void;
  now?: () => Date;
}

export class WorkerLogger implements Logger {
  private readonly min: number;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(private readonly options: WorkerLoggerOptions) {
    this.min = ORDER[options.level.toUpperCase() as LogLevel];
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? (() => new Date());
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (ORDER[level] < this.min) return;
    const time = this.now().toISOString();
    if (this.options.format === 'pretty') {
      const fields = Object.entries(meta)
        .filter(([key]) => key !== 'sdkComponent' && key !== 'namespace' && key !== 'taskQueue')
        .map(
          ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
        )
        .join(' ');
      this.write(
        `${time.slice(11, 19)} ${level.padEnd(5)} ${message}${fields ? ` ${fields}` : ''}`,
      );
      return;
    }
    this.write(
      JSON.stringify({ time, level: level.toLowerCase(), msg: message, ...meta }, safeJson),
    );
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Errors become their message; bigints strings; nothing throws while logging. */
function safeJson(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
