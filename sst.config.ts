/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: 'modeshift',
      home: 'aws',
      // modeshift's own production stage keeps its environments table (and the
      // history in it) when the app is removed.
      removal: input?.stage === 'production' ? 'retain' : 'remove',
      protect: input?.stage === 'production',
    };
  },
  async run() {
    const { createEnvironmentsTable } = await import('./stacks/environments-table.ts');
    const { createEventBus } = await import('./stacks/event-bus.ts');
    const { createArtifactBucket } = await import('./stacks/artifact-bucket.ts');
    const { createServiceRoles } = await import('./stacks/service-roles.ts');
    const { createWorkflowSteps } = await import('./stacks/workflow-steps.ts');
    const { createWorkflows } = await import('./stacks/workflows.ts');
    const { createRequestHandlers } = await import('./stacks/request-handlers.ts');
    const { createSweep } = await import('./stacks/sweep.ts');

    const table = createEnvironmentsTable();
    const bus = createEventBus();
    const artifacts = createArtifactBucket();
    const roles = createServiceRoles(bus);
    const steps = createWorkflowSteps({ ...roles, table });
    const workflows = createWorkflows({ table, bus, steps, roles });
    const handlers = createRequestHandlers({ table, bus, workflows }, roles);
    createSweep({ table, bus, account: roles.account });

    return {
      stage: $app.stage,
      environmentsTable: table.name,
      eventBus: bus.name,
      artifactBucket: artifacts.name,
      deployStateMachine: workflows.deploy.arn,
      downStateMachine: workflows.down.arn,
      deployRequestedFunction: handlers.deploy.name,
      downRequestedFunction: handlers.down.name,
    };
  },
});
