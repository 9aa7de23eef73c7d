export * from './brief';
export * from './commands';
export * from './forward';
export * from './repo-work';
export * from './shepherd';
export * from './status-comment';
