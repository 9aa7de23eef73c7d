export * from './agents-backend';
export * from './backend';
export * from './http';
export * from './readiness';
export * from './tasks-backend';
