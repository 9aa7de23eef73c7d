export * from './brief';
export * from './forward';
export * from './status-comment';
