/**
 * A template's active version and preset, by name: what a Coder task (Tasks backend) and a
 * chat's pinned workspace (Agents backend) are created from. Missing ones are user-fixable,
 * with the sentence the issue shows.
 */
import { ExternalError, isExternalError } from '@code-factory/errors';
import { z } from 'zod';
import type { CoderHttp } from './http';

const TemplateSchema = z.object({ id: z.string(), active_version_id: z.string() });
const PresetsSchema = z
  .array(z.object({ ID: z.string(), Name: z.string(), Default: z.boolean().optional() }))
  .nullable();

export interface TemplateChoice {
  organization: string;
  templateName: string;
  /** By name; absent: the version's default preset, if any. */
  presetName?: string;
  /** The setting an administrator changes to fix a wrong name, for the explanation. */
  setting?: string;
}

export async function resolveTemplateVersion(
  http: CoderHttp,
  choice: TemplateChoice,
): Promise<{ versionId: string; presetId?: string }> {
  const { organization, templateName, presetName } = choice;
  let template: z.infer<typeof TemplateSchema>;
  try {
    template = await http.json(
      TemplateSchema,
      'GET',
      `/api/v2/organizations/${enc(organization)}/templates/${enc(templateName)}`,
    );
  } catch (err) {
    if (isExternalError(err, 'not_found')) {
      const fix = choice.setting
        ? `fix \`${choice.setting}\``
        : 'point the service at the right template';
      throw new ExternalError(`template ${templateName} not found`, {
        kind: 'user_fixable',
        service: 'coder',
        status: 404,
        userMessage: `The Coder template \`${templateName}\` does not exist in the organization \`${organization}\`. An administrator needs to create it or ${fix}.`,
      });
    }
    throw err;
  }
  const presets =
    (await http.json(
      PresetsSchema,
      'GET',
      `/api/v2/templateversions/${enc(template.active_version_id)}/presets`,
    )) ?? [];
  const preset = presetName
    ? presets.find((p) => p.Name === presetName)
    : presets.find((p) => p.Default);
  if (presetName && !preset) {
    throw new ExternalError(`preset ${presetName} not found`, {
      kind: 'user_fixable',
      service: 'coder',
      userMessage: `The Coder template \`${templateName}\` has no preset named \`${presetName}\`. An administrator needs to add it or change the configured preset.`,
    });
  }
  return { versionId: template.active_version_id, ...(preset ? { presetId: preset.ID } : {}) };
}

function enc(part: string): string {
  return encodeURIComponent(part);
}
