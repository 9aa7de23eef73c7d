export * from './agents-backend';
export * from './backend';
export * from './chat-watch';
export * from './detect';
export * from './http';
export * from './readiness';
export * from './tasks-backend';
export * from './users';
