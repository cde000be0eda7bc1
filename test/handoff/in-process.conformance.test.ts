// The in-process hand-off (role `all`) runs the shared hand-off cases.
import { createInProcessHandoff } from '../../src/handoff/index.js';
import { handoffConformance } from './conformance.js';

handoffConformance({
  name: 'in-process hand-off',
  open: () => Promise.resolve(createInProcessHandoff()),
});
