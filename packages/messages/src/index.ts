export * from './forward';
export * from './status-comment';
export * from './brief';
