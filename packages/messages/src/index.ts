export * from './brief';
export * from './commands';
export * from './forward';
export * from './repo-work';
export * from './status-comment';
