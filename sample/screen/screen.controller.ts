import { Controller, Get } from '@nestjs/common';
import { ScreenService, type ScreenState } from './screen.service.js';

@Controller('screen')
export class ScreenController {
  constructor(private readonly screen: ScreenService) {}

  /** `GET /screen`: what this instance's display shows. */
  @Get()
  show(): ScreenState {
    return this.screen.show();
  }
}
