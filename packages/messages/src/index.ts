export * from './forward';
export * from './status-comment';
