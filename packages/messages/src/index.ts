export * from './brief';
export * from './clean';
export * from './commands';
export * from './forward';
export * from './mention';
export * from './repo-work';
export * from './shepherd';
export * from './status-comment';
