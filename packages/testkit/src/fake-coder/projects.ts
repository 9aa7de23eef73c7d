/**
 * Coder Projects (early access in 2.39: coder.com/docs/ai-coder/agents/projects): a project
 * belongs to one organization and is private to the user who created it; chats created with
 * `project_id` must be in the project's organization. Served where the Coder UI reads them,
 * `/api/experimental/chats/projects` (site/ handlers in coder/coder). Coder's JSON for a
 * project and its create route were not verified; the fake renders the fields a client needs
 * and seeds projects by control (`addProject`). No route looks a project up by name.
 */
import { randomUUID } from 'node:crypto';
import { type CoderRouteContext, iso, routeNotFound } from './http';
import { CHAT_PROJECTS } from './release';
import type { CoderOrganization, CoderState, CoderUser } from './state';

export interface ChatProjectSeed {
  name: string;
  /** Username or id of the owner; default the token user. */
  owner?: string;
  /** Organization name or id; default the default organization. */
  organization?: string;
  id?: string;
  instructions?: string;
}

export type ChatProject = Required<Omit<ChatProjectSeed, 'owner' | 'organization'>> & {
  ownerId: string;
  organizationId: string;
  createdAt: number;
};

export class ProjectsState {
  readonly projects = new Map<string, ChatProject>();

  constructor(private readonly state: CoderState) {}

  add(seed: ChatProjectSeed, defaultOwner: CoderUser, defaultOrg: CoderOrganization): ChatProject {
    const owner = seed.owner ? this.state.findUser(seed.owner) : defaultOwner;
    if (!owner) throw new Error(`fake coder: unknown user ${seed.owner}`);
    const org = seed.organization ? this.state.mustOrganization(seed.organization) : defaultOrg;
    const project = {
      id: seed.id ?? randomUUID(),
      name: seed.name,
      ownerId: owner.id,
      organizationId: org.id,
      instructions: seed.instructions ?? '',
      createdAt: this.state.now(),
    };
    this.projects.set(project.id, project);
    return project;
  }

  /** The project `id` names if `owner` owns it and it is in `org`. */
  usableBy(id: unknown, owner: CoderUser, org: CoderOrganization): ChatProject | undefined {
    const project = typeof id === 'string' ? this.projects.get(id) : undefined;
    return project?.ownerId === owner.id && project.organizationId === org.id ? project : undefined;
  }
}

const projectJson = (p: ChatProject) => ({
  id: p.id,
  organization_id: p.organizationId,
  owner_id: p.ownerId,
  name: p.name,
  instructions: p.instructions,
  created_at: iso(p.createdAt),
  updated_at: iso(p.createdAt),
});

export function registerProjectRoutes(
  { app, me }: CoderRouteContext,
  projects: ProjectsState,
  enabled: () => boolean,
): void {
  app.get(CHAT_PROJECTS, (c) => {
    if (!enabled()) return routeNotFound(c);
    const mine = [...projects.projects.values()].filter((p) => p.ownerId === me(c).id);
    return c.json(mine.map(projectJson));
  });
}
