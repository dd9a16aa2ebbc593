export {
  defineWorkflow, WorkflowRegistry,
  type AnyWorkflowDefinition, type RetryPolicy, type StepContext, type StepOptions, type WaitForEventOptions, type WorkflowContext, type WorkflowDefinition,
  type WorkflowFunction, type WorkflowOptions, type WorkflowTrigger,
} from './define.js';
export { saga, runSaga, type Saga, type SagaStepOptions } from './saga.js';
export { startWorkflowRunner, WorkflowRunner, type StartOptions, type WorkflowRunnerOptions } from './runner.js';
export type { InstanceRef } from './start.js';
export {
  cancelInstance, inspectInstance, listInstances, retryInstance, signalInstance,
  type InstanceSummary, type InstanceView, type ListOptions, type StepView,
} from './ops.js';
export { H as WORKFLOW_EVENTS, type InstanceStatus } from './history.js';
export { instanceStream, WORKFLOW_TOPIC } from './names.js';
