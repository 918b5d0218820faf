import { Resolver } from 'type-graphql';

/** Placeholder: this feature's queries, mutations and field resolvers land here. */
@Resolver()
export class AuditResolver {}
