// What the loop needs of a learning-rate schedule (src/optim/lr_scheduler
// implements it): advance once per optimizer step, and save/restore position.
export interface StepSchedule {
  step(): void;
  stateDict(): unknown;
  loadStateDict(state: any): void;
}
