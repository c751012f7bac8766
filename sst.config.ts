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
    const table = createEnvironmentsTable();
    return { environmentsTable: table.name };
  },
});
